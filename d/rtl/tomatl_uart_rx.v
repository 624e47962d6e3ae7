// tomatl_uart_rx: UART receiver, 8N1, least significant bit first; the line
// idles high.
//
// The line goes through a two-register synchroniser. A falling edge starts a
// byte; a phase accumulator (adding BAUD every cycle, wrapping at CLK_HZ)
// restarted on the edge marks the middle of each bit, where the line is
// sampled: the start bit must still be low (otherwise the edge was a glitch
// and is ignored), the stop bit must be high. A byte with a good stop bit is
// delivered as a one-cycle m_axis_tvalid pulse (there is no tready: the
// consumer takes every byte in the cycle it is valid). A byte whose stop bit
// is low (a framing error, or a break) is dropped, and the receiver waits for
// the line to go high before looking for the next start bit.
//
// The sample points are within one cycle of the bit middles (the
// accumulator starts half a bit ahead, less the synchroniser's delay), so
// with CLK_HZ / BAUD >= 8 the receiver accepts a sender whose rate is off by
// a few per cent.
`default_nettype none

module tomatl_uart_rx #(
    parameter CLK_HZ = 25000000,  // clock frequency in Hz (< 2^30)
    parameter BAUD   = 1000000    // bit rate; CLK_HZ / BAUD >= 8
) (
    input  wire       clk,
    input  wire       rst,
    input  wire       rxd,
    output wire [7:0] m_axis_tdata,
    output wire       m_axis_tvalid
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
    // Phase at the start edge: the first wrap comes half a bit later, less
    // one cycle for the synchroniser (samples land within a cycle of the
    // middle of each bit).
    localparam START = CLK_HZ / 2 + BAUD;
    localparam [PB-1:0] START_C = START[PB-1:0];

    localparam [1:0] S_IDLE = 2'd0;  // waiting for a start bit
    localparam [1:0] S_BITS = 2'd1;  // sampling start, data and stop bits
    localparam [1:0] S_HIGH = 2'd2;  // after a framing error: wait for idle

    reg  [ 1:0] sync_reg;  // the line through two registers
    reg  [ 1:0] state_reg;
    reg  [PB-1:0] phase_reg;
    reg  [ 3:0] bit_reg;  // 0 start, 1..8 data, 9 stop
    reg  [ 7:0] data_reg;
    reg         valid_reg;

    wire        line = sync_reg[1];
    wire [PB+1:0] phase_sum = {2'b00, phase_reg} + BAUD_C;
    wire [PB+1:0] phase_wrap = phase_sum - CLK_C;
    wire          tick = !phase_wrap[PB+1];

    assign m_axis_tdata  = data_reg;
    assign m_axis_tvalid = valid_reg;

    always @(posedge clk) begin
        if (rst) begin
            sync_reg <= 2'b11;
        end else begin
            sync_reg <= {sync_reg[0], rxd};
        end
    end

    always @(posedge clk) begin
        if (rst) begin
            state_reg <= S_IDLE;
            phase_reg <= {PB{1'b0}};
            bit_reg   <= 4'd0;
            data_reg  <= 8'd0;
            valid_reg <= 1'b0;
        end else begin
            valid_reg <= 1'b0;
            case (state_reg)
                S_IDLE: begin
                    if (!line) begin
                        state_reg <= S_BITS;
                        phase_reg <= START_C;
                        bit_reg   <= 4'd0;
                    end
                end
                S_BITS: begin
                    if (tick) begin
                        phase_reg <= phase_wrap[PB-1:0];
                        bit_reg   <= bit_reg + 4'd1;
                        if (bit_reg == 4'd0) begin
                            if (line) begin
                                state_reg <= S_IDLE;  // a glitch, not a start bit
                            end
                        end else if (bit_reg == 4'd9) begin
                            if (line) begin
                                valid_reg <= 1'b1;
                                state_reg <= S_IDLE;
                            end else begin
                                state_reg <= S_HIGH;
                            end
                        end else begin
                            data_reg <= {line, data_reg[7:1]};
                        end
                    end else begin
                        phase_reg <= phase_sum[PB-1:0];
                    end
                end
                default: begin
                    if (line) begin
                        state_reg <= S_IDLE;
                    end
                end
            endcase
        end
    end

endmodule

`default_nettype wire
