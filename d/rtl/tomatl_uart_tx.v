// tomatl_uart_tx: UART transmitter, 8 data bits, no parity, 1 stop bit
// (8N1), least significant bit first; the line idles high.
//
// Bit timing: a free-running phase accumulator adds BAUD every cycle and
// wraps at CLK_HZ; each wrap is a bit boundary. Bits are floor or ceil of
// CLK_HZ/BAUD cycles long and the rate is exact on average, so any ratio of
// at least 8 works without a rate error (no integer divisor is rounded).
//
// A byte is taken (s_axis_tvalid && s_axis_tready) while the transmitter is
// idle, and goes out from the next bit boundary: start bit, 8 data bits,
// stop bit. s_axis_tready rises again as the stop bit starts, so bytes
// handed over back to back leave with exactly one stop bit between them.
// s_axis_tready and txd are registers.
`default_nettype none

module tomatl_uart_tx #(
    parameter CLK_HZ = 25000000,  // clock frequency in Hz (< 2^30)
    parameter BAUD   = 1000000    // bit rate; CLK_HZ / BAUD >= 8
) (
    input  wire       clk,
    input  wire       rst,
    input  wire [7:0] s_axis_tdata,
    input  wire       s_axis_tvalid,
    output wire       s_axis_tready,
    output wire       txd
);

    generate
        if (BAUD < 1) begin : g_illegal_baud
            tomatl_illegal_parameter_BAUD u_illegal ();
        end else if (CLK_HZ / BAUD < 8) begin : g_illegal_baud_ratio
            tomatl_illegal_parameter_BAUD u_illegal ();
        end
        if (CLK_HZ >= 1073741824) begin : g_illegal_clk_hz
            tomatl_illegal_parameter_CLK_HZ u_illegal ();
        end
    endgenerate

    // The phase accumulator: PB bits hold 0..CLK_HZ-1; the sum and the
    // wrapped sum take two more (carry and sign), and the sign of
    // phase + BAUD - CLK_HZ says whether a bit boundary passed.
    localparam PB = $clog2(CLK_HZ);
    localparam [PB+1:0] CLK_C = CLK_HZ[PB+1:0];
    localparam [PB+1:0] BAUD_C = BAUD[PB+1:0];

    // ------------------------------------------------------- bit boundaries
    reg  [  PB-1:0] phase_reg;
    wire [  PB+1:0] phase_sum = {2'b00, phase_reg} + BAUD_C;
    wire [  PB+1:0] phase_wrap = phase_sum - CLK_C;
    wire            tick = !phase_wrap[PB+1];

    always @(posedge clk) begin
        if (rst) begin
            phase_reg <= {PB{1'b0}};
        end else if (tick) begin
            phase_reg <= phase_wrap[PB-1:0];
        end else begin
            phase_reg <= phase_sum[PB-1:0];
        end
    end

    // ---------------------------------------------------------- the frame
    reg  [9:0] shift_reg;  // {stop, data, start}, sent from bit 0
    reg  [3:0] left_reg;  // bits still to put on the line (0: idle or stop bit)
    reg        loaded_reg;  // a byte waits in shift_reg for the next boundary
    reg        txd_reg;

    assign s_axis_tready = !loaded_reg && (left_reg == 4'd0);
    assign txd = txd_reg;

    always @(posedge clk) begin
        if (rst) begin
            shift_reg  <= 10'h3ff;
            left_reg   <= 4'd0;
            loaded_reg <= 1'b0;
            txd_reg    <= 1'b1;
        end else begin
            if (tick && left_reg != 4'd0) begin
                // the next bit of the byte on the line
                txd_reg   <= shift_reg[0];
                shift_reg <= {1'b1, shift_reg[9:1]};
                left_reg  <= left_reg - 4'd1;
            end else if (tick && loaded_reg) begin
                // a waiting byte starts: its start bit
                txd_reg    <= shift_reg[0];
                shift_reg  <= {1'b1, shift_reg[9:1]};
                left_reg   <= 4'd9;
                loaded_reg <= 1'b0;
            end
            if (s_axis_tvalid && s_axis_tready) begin
                shift_reg  <= {1'b1, s_axis_tdata, 1'b0};
                loaded_reg <= 1'b1;
            end
        end
    end

endmodule

`default_nettype wire
