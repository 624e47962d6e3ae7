// tomatl_uart_bridge: a host link over a UART for boards without a CPU.
// Packets on uart_rx carry input frames (to m_axis) and register accesses
// (to the AXI4-Lite master m_axil); output frames (from s_axis), register
// data, acknowledgements and errors go back as packets on uart_tx. The byte
// protocol is docs/uart-protocol.md; in short, every packet is
//
//   A5 | CMD | TAG | LEN (2 bytes, LE) | PAYLOAD (LEN bytes) | CRC (2 bytes)
//
// with CRC-16/CCITT-FALSE (polynomial 0x1021, init 0xFFFF) over CMD..PAYLOAD,
// sent high byte first. Requests: 0x01 FRAME (IN_BEATS x IN_BYTES bytes),
// 0x02 READ (address, 4 bytes), 0x03 WRITE (address, data, strobe: 9
// bytes), 0x04 INFO (no payload). Replies: 0x81 OUTPUT (OUT_BEATS x
// OUT_BYTES bytes), 0x82 READ data (4 bytes), 0x83 WRITE acknowledgement
// (none), 0x84 INFO (12 bytes), 0xE0 ERROR (code, command, detail).
//
// Receiving: a parser hunts for the sync byte, checks the command and its
// length as soon as the header is in, and the CRC at the end.
//  * Input frames are written into a frame buffer (two frames if a frame is
//    at most 2048 bytes, else one) and committed only when the CRC is good:
//    a bad, truncated or refused frame is rolled back, so nothing of it
//    reaches m_axis. Committed frames leave the buffer as beats, beat 0
//    first, byte 0 of a beat in its low bits, TLAST on the last beat. A frame
//    whose header finds no free frame slot is received, dropped and answered
//    with BUSY.
//  * Register accesses go to an executor that performs one AXI4-Lite read
//    or write at a time (AW and W raised together; every valid held until
//    its handshake); a request that ends before the previous one's reply
//    has gone out gets BUSY.
//  * An unknown command or a wrong length makes the parser discard input
//    until the line has been quiet for the inter-byte timeout; then it
//    answers the error (so when the host sees it, the bridge listens again).
//    A packet that stops for the timeout before its end is dropped and
//    answered with TIMEOUT. Bytes outside packets are ignored.
//  * An error waits in a one-entry slot for the sender; an error raised
//    while the slot is full is dropped (a host that waits for its replies
//    never loses one).
// Sending: one packet at a time, the pending one of highest priority first:
// the TLAST error of the frame just sent, a parser error, the executor's
// reply, an output frame. Output beats are taken from s_axis as their bytes
// go out (byte 0 first), so a frame is never buffered here; the reply's TAG
// is the TAG of the FRAME request the output belongs to (a queue of four:
// a frame whose header finds four frames unanswered gets BUSY too).
// Frames are counted in beats; TLAST is checked, and a frame whose TLAST is
// missing or early is followed by an OUTPUT_TLAST error.
//
// The inter-byte timeout is 10 ms (CLK_HZ/100 cycles) or 32 byte times,
// whichever is longer.
`default_nettype none

module tomatl_uart_bridge #(
    parameter CLK_HZ    = 25000000,  // clock frequency in Hz (< 2^30)
    parameter BAUD      = 1000000,   // UART bit rate (>= 300, CLK_HZ / BAUD >= 8)
    parameter IN_BYTES  = 1,         // bytes of m_axis_tdata (>= 1)
    parameter IN_BEATS  = 1,         // input beats per frame (>= 1; IN_BYTES*IN_BEATS <= 65535)
    parameter OUT_BYTES = 1,         // bytes of s_axis_tdata (>= 1)
    parameter OUT_BEATS = 1,         // output beats per frame (>= 1; OUT_BYTES*OUT_BEATS <= 65535)
    parameter ADDR_BITS = 6          // AXI4-Lite byte address width (1..32)
) (
    input  wire                   clk,
    input  wire                   rst,
    input  wire                   uart_rx,
    output wire                   uart_tx,
    // frames to the accelerator (its s_axis)
    output wire [ IN_BYTES*8-1:0] m_axis_tdata,
    output wire                   m_axis_tvalid,
    input  wire                   m_axis_tready,
    output wire                   m_axis_tlast,
    // results from the accelerator (its m_axis)
    input  wire [OUT_BYTES*8-1:0] s_axis_tdata,
    input  wire                   s_axis_tvalid,
    output wire                   s_axis_tready,
    input  wire                   s_axis_tlast,
    // register accesses (to its s_axil)
    output wire [  ADDR_BITS-1:0] m_axil_awaddr,
    output wire                   m_axil_awvalid,
    input  wire                   m_axil_awready,
    output wire [           31:0] m_axil_wdata,
    output wire [            3:0] m_axil_wstrb,
    output wire                   m_axil_wvalid,
    input  wire                   m_axil_wready,
    input  wire [            1:0] m_axil_bresp,
    input  wire                   m_axil_bvalid,
    output wire                   m_axil_bready,
    output wire [  ADDR_BITS-1:0] m_axil_araddr,
    output wire                   m_axil_arvalid,
    input  wire                   m_axil_arready,
    input  wire [           31:0] m_axil_rdata,
    input  wire [            1:0] m_axil_rresp,
    input  wire                   m_axil_rvalid,
    output wire                   m_axil_rready
);

    // ------------------------------------------------------------ sizes
    // Bytes of an input and of an output frame.
    localparam IN_FRAME = IN_BYTES * IN_BEATS;
    localparam OUT_FRAME = OUT_BYTES * OUT_BEATS;
    // Frames the input buffer holds, and its size in bytes.
    localparam NBUF = (IN_FRAME <= 2048) ? 2 : 1;
    localparam BUF_BYTES = NBUF * IN_FRAME;
    // Pointer and counter widths.
    localparam BUF_PTR_BITS = (BUF_BYTES > 1) ? $clog2(BUF_BYTES) : 1;
    localparam IN_BYTE_BITS = (IN_BYTES > 1) ? $clog2(IN_BYTES) : 1;
    localparam IN_BEAT_BITS = (IN_BEATS > 1) ? $clog2(IN_BEATS) : 1;
    localparam OUT_BYTE_BITS = (OUT_BYTES > 1) ? $clog2(OUT_BYTES) : 1;
    localparam OUT_BEAT_BITS = (OUT_BEATS > 1) ? $clog2(OUT_BEATS) : 1;
    // Inter-byte timeout in cycles: 10 ms, or 32 byte times (320 bits)
    // below 32000 baud.
    localparam BIT_CYCLES = (BAUD >= 1) ? CLK_HZ / BAUD : 8;
    localparam TIMEOUT = (BAUD >= 32000) ? CLK_HZ / 100 : 320 * BIT_CYCLES;
    localparam TIMER_BITS = $clog2(TIMEOUT + 1);
    // Largest values of the counters, as sized constants.
    localparam BUF_MAX = BUF_BYTES - 1;
    localparam IN_BYTE_MAX = IN_BYTES - 1;
    localparam IN_BEAT_MAX = IN_BEATS - 1;
    localparam OUT_BYTE_MAX = OUT_BYTES - 1;
    localparam OUT_BEAT_MAX = OUT_BEATS - 1;
    localparam [BUF_PTR_BITS-1:0] BUF_LAST = BUF_MAX[BUF_PTR_BITS-1:0];
    localparam [IN_BYTE_BITS-1:0] IN_BYTE_LAST = IN_BYTE_MAX[IN_BYTE_BITS-1:0];
    localparam [IN_BEAT_BITS-1:0] IN_BEAT_LAST = IN_BEAT_MAX[IN_BEAT_BITS-1:0];
    localparam [OUT_BYTE_BITS-1:0] OUT_BYTE_LAST = OUT_BYTE_MAX[OUT_BYTE_BITS-1:0];
    localparam [OUT_BEAT_BITS-1:0] OUT_BEAT_LAST = OUT_BEAT_MAX[OUT_BEAT_BITS-1:0];
    localparam [TIMER_BITS-1:0] TIMEOUT_C = TIMEOUT[TIMER_BITS-1:0];
    localparam [15:0] IN_FRAME_C = IN_FRAME[15:0];
    localparam [15:0] OUT_FRAME_C = OUT_FRAME[15:0];
    localparam [1:0] NBUF_C = NBUF[1:0];
    // TAGs of the frames committed and not yet answered: as many frames may
    // be in flight (two already keep both directions of the line busy).
    localparam TAG_DEPTH = 4;
    // Register address bits that must be zero.
    localparam [31:0] ADDR_HIGH = (ADDR_BITS >= 32) ? 32'd0 : (32'hffffffff << ADDR_BITS);

    generate
        if (IN_BYTES < 1) begin : g_illegal_in_bytes
            tomatl_illegal_parameter_IN_BYTES u_illegal ();
        end
        if (IN_BEATS < 1) begin : g_illegal_in_beats
            tomatl_illegal_parameter_IN_BEATS u_illegal ();
        end
        if (OUT_BYTES < 1) begin : g_illegal_out_bytes
            tomatl_illegal_parameter_OUT_BYTES u_illegal ();
        end
        if (OUT_BEATS < 1) begin : g_illegal_out_beats
            tomatl_illegal_parameter_OUT_BEATS u_illegal ();
        end
        if (IN_FRAME > 65535) begin : g_illegal_in_frame
            tomatl_illegal_parameter_IN_BEATS u_illegal ();
        end
        if (OUT_FRAME > 65535) begin : g_illegal_out_frame
            tomatl_illegal_parameter_OUT_BEATS u_illegal ();
        end
        if (ADDR_BITS < 1 || ADDR_BITS > 32) begin : g_illegal_addr_bits
            tomatl_illegal_parameter_ADDR_BITS u_illegal ();
        end
        if (BAUD < 300) begin : g_illegal_baud
            tomatl_illegal_parameter_BAUD u_illegal ();
        end else if (CLK_HZ / BAUD < 8) begin : g_illegal_baud_ratio
            tomatl_illegal_parameter_BAUD u_illegal ();
        end
    endgenerate

    // --------------------------------------------------------- protocol
    localparam [7:0] SYNC = 8'ha5;
    localparam [7:0] CMD_FRAME = 8'h01;
    localparam [7:0] CMD_READ = 8'h02;
    localparam [7:0] CMD_WRITE = 8'h03;
    localparam [7:0] CMD_INFO = 8'h04;
    localparam [7:0] REPLY_OUTPUT = 8'h81;
    localparam [7:0] REPLY_READ = 8'h82;
    localparam [7:0] REPLY_WRITE = 8'h83;
    localparam [7:0] REPLY_INFO = 8'h84;
    localparam [7:0] REPLY_ERROR = 8'he0;
    localparam [7:0] ERR_BAD_CRC = 8'h01;
    localparam [7:0] ERR_BAD_LENGTH = 8'h02;
    localparam [7:0] ERR_UNKNOWN_CMD = 8'h03;
    localparam [7:0] ERR_TIMEOUT = 8'h04;
    localparam [7:0] ERR_AXI = 8'h05;
    localparam [7:0] ERR_BUSY = 8'h06;
    localparam [7:0] ERR_BAD_ADDRESS = 8'h07;
    localparam [7:0] ERR_OUTPUT_TLAST = 8'h08;
    localparam [7:0] PROTOCOL_VERSION = 8'h01;
    // The INFO payload, byte 0 in the low bits.
    localparam [95:0] INFO = {
        OUT_BEATS[15:0],
        OUT_BYTES[15:0],
        IN_BEATS[15:0],
        IN_BYTES[15:0],
        8'd0,
        6'd0,
        NBUF_C,
        ADDR_BITS[7:0],
        PROTOCOL_VERSION
    };

    // CRC-16/CCITT-FALSE, one byte, most significant bit first.
    function [15:0] crc16_step;
        input [15:0] crc;
        input [7:0] data;
        integer i;
        reg [15:0] c;
        begin
            c = crc ^ {data, 8'h00};
            for (i = 0; i < 8; i = i + 1) begin
                c = c[15] ? ({c[14:0], 1'b0} ^ 16'h1021) : {c[14:0], 1'b0};
            end
            crc16_step = c;
        end
    endfunction

    // ---------------------------------------------------------- the UART
    wire [7:0] rx_byte;
    wire       rx_valid;
    wire [7:0] tx_byte;
    wire       tx_valid;
    wire       tx_ready;

    tomatl_uart_rx #(
        .CLK_HZ(CLK_HZ),
        .BAUD  (BAUD)
    ) u_rx (
        .clk          (clk),
        .rst          (rst),
        .rxd          (uart_rx),
        .m_axis_tdata (rx_byte),
        .m_axis_tvalid(rx_valid)
    );

    tomatl_uart_tx #(
        .CLK_HZ(CLK_HZ),
        .BAUD  (BAUD)
    ) u_tx (
        .clk          (clk),
        .rst          (rst),
        .s_axis_tdata (tx_byte),
        .s_axis_tvalid(tx_valid),
        .s_axis_tready(tx_ready),
        .txd          (uart_tx)
    );

    // ----------------------------------------------------- shared state
    // Frame buffer bookkeeping (written by the parser and the reader).
    reg  [BUF_PTR_BITS-1:0] wr_ptr_reg;  // next byte written
    reg  [BUF_PTR_BITS-1:0] commit_ptr_reg;  // end of the committed frames
    reg  [BUF_PTR_BITS-1:0] rd_ptr_reg;  // next byte read
    reg  [             1:0] held_reg;  // frames committed, not yet read out
    // TAG queue of committed frames.
    wire                    tag_in_ready;
    wire [             7:0] tag_head;
    wire                    tag_avail;
    wire                    tag_pop;
    // Executor state (E_IDLE: free).
    localparam [1:0] E_IDLE = 2'd0;  // free
    localparam [1:0] E_ADDR = 2'd1;  // AR, or AW and W, outstanding
    localparam [1:0] E_RESP = 2'd2;  // waiting for R or B
    localparam [1:0] E_DONE = 2'd3;  // the reply waits for, or is with, the sender
    reg  [             1:0] e_state_reg;
    // Slots the sender takes.
    reg                     perr_valid_reg;  // a parser error
    reg  [             7:0] perr_code_reg;
    reg  [             7:0] perr_cmd_reg;
    reg  [             7:0] perr_tag_reg;

    // ------------------------------------------------------- the parser
    localparam [3:0] P_HUNT = 4'd0;  // looking for SYNC
    localparam [3:0] P_CMD = 4'd1;
    localparam [3:0] P_TAG = 4'd2;
    localparam [3:0] P_LEN0 = 4'd3;
    localparam [3:0] P_LEN1 = 4'd4;
    localparam [3:0] P_PAY = 4'd5;
    localparam [3:0] P_CRC0 = 4'd6;
    localparam [3:0] P_CRC1 = 4'd7;
    localparam [3:0] P_DRAIN = 4'd8;  // discarding until the line is quiet

    reg [           3:0] p_state_reg;
    reg [           3:0] p_state_next;
    reg [           7:0] p_cmd_reg;
    reg [           7:0] p_cmd_next;
    reg [           7:0] p_tag_reg;
    reg [           7:0] p_tag_next;
    reg [           7:0] p_len0_reg;  // low byte of LEN
    reg [           7:0] p_len0_next;
    reg [          15:0] p_left_reg;  // payload bytes still to come
    reg [          15:0] p_left_next;
    reg [           3:0] p_arg_reg;  // next byte of p_args_reg
    reg [           3:0] p_arg_next;
    reg [          71:0] p_args_reg;  // register request: address, data, strobe
    reg [          71:0] p_args_next;
    reg [          15:0] p_crc_reg;
    reg [          15:0] p_crc_next;
    reg                  p_busy_reg;  // a frame with no free slot
    reg                  p_busy_next;
    reg [           7:0] p_drain_code_reg;  // the error answered after draining
    reg [           7:0] p_drain_code_next;
    reg [TIMER_BITS-1:0] p_timer_reg;  // cycles since the last byte
    reg [TIMER_BITS-1:0] p_timer_next;

    // Actions of this cycle.
    reg                  raise;  // answer an error: raise_code
    reg [           7:0] raise_code;
    reg                  buf_we;  // write rx_byte at wr_ptr
    reg                  commit;  // the frame just received is good
    reg                  rollback;  // drop the frame being received
    reg                  exec_start;  // hand the request to the executor

    wire [15:0] crc_in = crc16_step(p_crc_reg, rx_byte);
    wire        timed_out = (p_timer_reg == TIMEOUT_C);
    wire        cmd_known = (p_cmd_reg == CMD_FRAME) || (p_cmd_reg == CMD_READ) ||
        (p_cmd_reg == CMD_WRITE) || (p_cmd_reg == CMD_INFO);
    wire [15:0] cmd_len = (p_cmd_reg == CMD_FRAME) ? IN_FRAME_C :
        (p_cmd_reg == CMD_READ) ? 16'd4 : (p_cmd_reg == CMD_WRITE) ? 16'd9 : 16'd0;
    wire        frame_room = (held_reg != NBUF_C) && tag_in_ready;
    wire        addr_ok = (p_args_reg[31:0] & ADDR_HIGH) == 32'd0;
    wire        is_frame = (p_cmd_reg == CMD_FRAME);

    integer k;
    always @* begin
        k                 = 0;  // the loop index is set on every path: no latch
        p_state_next      = p_state_reg;
        p_cmd_next        = p_cmd_reg;
        p_tag_next        = p_tag_reg;
        p_len0_next       = p_len0_reg;
        p_left_next       = p_left_reg;
        p_arg_next        = p_arg_reg;
        p_args_next       = p_args_reg;
        p_crc_next        = p_crc_reg;
        p_busy_next       = p_busy_reg;
        p_drain_code_next = p_drain_code_reg;
        p_timer_next      = p_timer_reg;
        raise             = 1'b0;
        raise_code        = 8'd0;
        buf_we            = 1'b0;
        commit            = 1'b0;
        rollback          = 1'b0;
        exec_start        = 1'b0;

        if (rx_valid) begin
            p_timer_next = {TIMER_BITS{1'b0}};
        end else if (!timed_out) begin
            p_timer_next = p_timer_reg + 1'b1;
        end

        case (p_state_reg)
            P_HUNT: begin
                if (rx_valid && rx_byte == SYNC) begin
                    p_state_next = P_CMD;
                    p_crc_next   = 16'hffff;
                    p_cmd_next   = 8'd0;
                    p_tag_next   = 8'd0;
                end
            end
            P_DRAIN: begin
                if (!rx_valid && timed_out) begin
                    raise        = 1'b1;
                    raise_code   = p_drain_code_reg;
                    p_state_next = P_HUNT;
                end
            end
            default: begin
                if (rx_valid) begin
                    p_crc_next = crc_in;
                    case (p_state_reg)
                        P_CMD: begin
                            p_cmd_next   = rx_byte;
                            p_state_next = P_TAG;
                        end
                        P_TAG: begin
                            p_tag_next   = rx_byte;
                            p_state_next = P_LEN0;
                        end
                        P_LEN0: begin
                            p_len0_next  = rx_byte;
                            p_state_next = P_LEN1;
                        end
                        P_LEN1: begin
                            p_left_next = {rx_byte, p_len0_reg};
                            p_arg_next  = 4'd0;
                            p_busy_next = is_frame && !frame_room;
                            if (!cmd_known) begin
                                p_drain_code_next = ERR_UNKNOWN_CMD;
                                p_state_next      = P_DRAIN;
                            end else if ({rx_byte, p_len0_reg} != cmd_len) begin
                                p_drain_code_next = ERR_BAD_LENGTH;
                                p_state_next      = P_DRAIN;
                            end else if (cmd_len == 16'd0) begin
                                p_state_next = P_CRC0;
                            end else begin
                                p_state_next = P_PAY;
                            end
                        end
                        P_PAY: begin
                            p_left_next = p_left_reg - 16'd1;
                            if (is_frame) begin
                                buf_we = !p_busy_reg;
                            end else begin
                                for (k = 0; k < 9; k = k + 1) begin
                                    if (p_arg_reg == k[3:0]) begin
                                        p_args_next[k*8+:8] = rx_byte;
                                    end
                                end
                                p_arg_next = p_arg_reg + 4'd1;
                            end
                            if (p_left_reg == 16'd1) begin
                                p_state_next = P_CRC0;
                            end
                        end
                        P_CRC0: begin
                            p_state_next = P_CRC1;
                        end
                        default: begin  // P_CRC1: the packet is complete
                            p_state_next = P_HUNT;
                            if (crc_in != 16'd0) begin
                                raise      = 1'b1;
                                raise_code = ERR_BAD_CRC;
                                rollback   = 1'b1;
                            end else if (is_frame) begin
                                if (p_busy_reg) begin
                                    raise      = 1'b1;
                                    raise_code = ERR_BUSY;
                                    rollback   = 1'b1;
                                end else begin
                                    commit = 1'b1;
                                end
                            end else if (e_state_reg != E_IDLE) begin
                                raise      = 1'b1;
                                raise_code = ERR_BUSY;
                            end else if (p_cmd_reg != CMD_INFO && !addr_ok) begin
                                raise      = 1'b1;
                                raise_code = ERR_BAD_ADDRESS;
                            end else begin
                                exec_start = 1'b1;
                            end
                        end
                    endcase
                end else if (timed_out) begin
                    // the packet stopped before its end
                    raise        = 1'b1;
                    raise_code   = ERR_TIMEOUT;
                    rollback     = 1'b1;
                    p_state_next = P_HUNT;
                end
            end
        endcase
    end

    always @(posedge clk) begin
        if (rst) begin
            p_state_reg      <= P_HUNT;
            p_cmd_reg        <= 8'd0;
            p_tag_reg        <= 8'd0;
            p_len0_reg       <= 8'd0;
            p_left_reg       <= 16'd0;
            p_arg_reg        <= 4'd0;
            p_args_reg       <= 72'd0;
            p_crc_reg        <= 16'hffff;
            p_busy_reg       <= 1'b0;
            p_drain_code_reg <= 8'd0;
            p_timer_reg      <= {TIMER_BITS{1'b0}};
        end else begin
            p_state_reg      <= p_state_next;
            p_cmd_reg        <= p_cmd_next;
            p_tag_reg        <= p_tag_next;
            p_len0_reg       <= p_len0_next;
            p_left_reg       <= p_left_next;
            p_arg_reg        <= p_arg_next;
            p_args_reg       <= p_args_next;
            p_crc_reg        <= p_crc_next;
            p_busy_reg       <= p_busy_next;
            p_drain_code_reg <= p_drain_code_next;
            p_timer_reg      <= p_timer_next;
        end
    end

    // The error slot: one error waits for the sender; an error raised while
    // it is full is dropped.
    wire perr_take;
    always @(posedge clk) begin
        if (rst) begin
            perr_valid_reg <= 1'b0;
            perr_code_reg  <= 8'd0;
            perr_cmd_reg   <= 8'd0;
            perr_tag_reg   <= 8'd0;
        end else begin
            if (perr_take) begin
                perr_valid_reg <= 1'b0;
            end
            if (raise && (!perr_valid_reg || perr_take)) begin
                perr_valid_reg <= 1'b1;
                perr_code_reg  <= raise_code;
                perr_cmd_reg   <= p_cmd_reg;
                perr_tag_reg   <= p_tag_reg;
            end
        end
    end

    // ------------------------------------------------- the frame buffer
    reg  [7:0] buf_mem[0:BUF_BYTES-1];
    reg  [7:0] rd_data_reg;
    reg        rd_en;  // read buf_mem[rd_ptr_reg] this cycle
    reg        frame_read;  // the last byte of a frame is being read out

    always @(posedge clk) begin
        if (buf_we) begin
            buf_mem[wr_ptr_reg] <= rx_byte;
        end
    end

    always @(posedge clk) begin
        if (rd_en) begin
            rd_data_reg <= buf_mem[rd_ptr_reg];
        end
    end

    always @(posedge clk) begin
        if (rst) begin
            wr_ptr_reg     <= {BUF_PTR_BITS{1'b0}};
            commit_ptr_reg <= {BUF_PTR_BITS{1'b0}};
            rd_ptr_reg     <= {BUF_PTR_BITS{1'b0}};
            held_reg       <= 2'd0;
        end else begin
            if (rollback) begin
                wr_ptr_reg <= commit_ptr_reg;
            end else if (buf_we) begin
                wr_ptr_reg <= (wr_ptr_reg == BUF_LAST) ? {BUF_PTR_BITS{1'b0}} : wr_ptr_reg + 1'b1;
            end
            if (commit) begin
                commit_ptr_reg <= wr_ptr_reg;
            end
            if (rd_en) begin
                rd_ptr_reg <= (rd_ptr_reg == BUF_LAST) ? {BUF_PTR_BITS{1'b0}} : rd_ptr_reg + 1'b1;
            end
            if (commit && !frame_read) begin
                held_reg <= held_reg + 2'd1;
            end else if (frame_read && !commit) begin
                held_reg <= held_reg - 2'd1;
            end
        end
    end

    tomatl_fifo #(
        .WIDTH(8),
        .DEPTH(TAG_DEPTH)
    ) u_tags (
        .clk          (clk),
        .rst          (rst),
        .s_axis_tdata (p_tag_reg),
        .s_axis_tvalid(commit),
        .s_axis_tready(tag_in_ready),
        .m_axis_tdata (tag_head),
        .m_axis_tvalid(tag_avail),
        .m_axis_tready(tag_pop)
    );

    // ----------------------------------- the reader: buffer to m_axis beats
    localparam [1:0] R_IDLE = 2'd0;  // waiting for a committed frame
    localparam [1:0] R_READ = 2'd1;  // a byte arrives from the buffer
    localparam [1:0] R_HOLD = 2'd2;  // the beat waits for m_axis_tready

    reg [           1:0] r_state_reg;
    reg [IN_BYTE_BITS-1:0] r_byte_reg;  // byte of the beat arriving in R_READ
    reg [IN_BEAT_BITS-1:0] r_beat_reg;  // beat of the frame
    reg                  m_valid_reg;
    reg                  m_last_reg;
    wire                 beat_full = (r_state_reg == R_READ) && (r_byte_reg == IN_BYTE_LAST);

    always @* begin
        rd_en      = 1'b0;
        frame_read = 1'b0;
        case (r_state_reg)
            R_IDLE: rd_en = (held_reg != 2'd0);
            R_READ: begin
                rd_en      = !beat_full;
                frame_read = beat_full && (r_beat_reg == IN_BEAT_LAST);
            end
            default: ;
        endcase
    end

    always @(posedge clk) begin
        if (rst) begin
            r_state_reg <= R_IDLE;
            r_byte_reg  <= {IN_BYTE_BITS{1'b0}};
            r_beat_reg  <= {IN_BEAT_BITS{1'b0}};
            m_valid_reg <= 1'b0;
            m_last_reg  <= 1'b0;
        end else begin
            case (r_state_reg)
                R_IDLE: begin
                    if (rd_en) begin
                        r_state_reg <= R_READ;
                        r_byte_reg  <= {IN_BYTE_BITS{1'b0}};
                    end
                end
                R_READ: begin
                    if (beat_full) begin
                        r_state_reg <= R_HOLD;
                        m_valid_reg <= 1'b1;
                        m_last_reg  <= (r_beat_reg == IN_BEAT_LAST);
                    end else begin
                        r_byte_reg <= r_byte_reg + 1'b1;
                    end
                end
                default: begin
                    if (m_axis_tready) begin
                        r_state_reg <= R_IDLE;
                        m_valid_reg <= 1'b0;
                        r_beat_reg  <= m_last_reg ? {IN_BEAT_BITS{1'b0}} : r_beat_reg + 1'b1;
                    end
                end
            endcase
        end
    end

    // one register per byte of the beat
    genvar gb;
    generate
        for (gb = 0; gb < IN_BYTES; gb = gb + 1) begin : g_in_byte
            localparam [IN_BYTE_BITS-1:0] IDX = gb;  // this byte's index
            reg [7:0] byte_reg;
            always @(posedge clk) begin
                if (r_state_reg == R_READ && r_byte_reg == IDX) begin
                    byte_reg <= rd_data_reg;
                end
            end
            assign m_axis_tdata[gb*8+:8] = byte_reg;
        end
    endgenerate

    assign m_axis_tvalid = m_valid_reg;
    assign m_axis_tlast  = m_last_reg;

    // ----------------------------------------------------- the executor
    reg  [          7:0] e_cmd_reg;
    reg  [          7:0] e_tag_reg;
    reg  [ADDR_BITS-1:0] e_addr_reg;
    reg  [         31:0] e_data_reg;  // write data, then read data
    reg  [          3:0] e_strb_reg;
    reg  [          1:0] e_resp_reg;
    reg                  awvalid_reg;
    reg                  wvalid_reg;
    reg                  bready_reg;
    reg                  arvalid_reg;
    reg                  rready_reg;
    wire                 e_take;  // the sender starts the reply
    wire                 e_sent;  // the sender has sent it

    assign m_axil_awaddr  = e_addr_reg;
    assign m_axil_awvalid = awvalid_reg;
    assign m_axil_wdata   = e_data_reg;
    assign m_axil_wstrb   = e_strb_reg;
    assign m_axil_wvalid  = wvalid_reg;
    assign m_axil_bready  = bready_reg;
    assign m_axil_araddr  = e_addr_reg;
    assign m_axil_arvalid = arvalid_reg;
    assign m_axil_rready  = rready_reg;

    wire aw_left = awvalid_reg && !m_axil_awready;  // AW still up after this cycle
    wire w_left = wvalid_reg && !m_axil_wready;  // W still up after this cycle

    always @(posedge clk) begin
        if (exec_start) begin
            e_cmd_reg  <= p_cmd_reg;
            e_tag_reg  <= p_tag_reg;
            e_addr_reg <= p_args_reg[ADDR_BITS-1:0];
            e_data_reg <= p_args_reg[63:32];
            e_strb_reg <= p_args_reg[67:64];
        end else if (e_state_reg == E_RESP && e_cmd_reg == CMD_READ && m_axil_rvalid) begin
            e_data_reg <= m_axil_rdata;
        end
    end

    always @(posedge clk) begin
        if (rst) begin
            e_state_reg <= E_IDLE;
            e_resp_reg  <= 2'd0;
            awvalid_reg <= 1'b0;
            wvalid_reg  <= 1'b0;
            bready_reg  <= 1'b0;
            arvalid_reg <= 1'b0;
            rready_reg  <= 1'b0;
        end else begin
            case (e_state_reg)
                E_IDLE: begin
                    if (exec_start) begin
                        e_resp_reg <= 2'd0;
                        if (p_cmd_reg == CMD_READ) begin
                            arvalid_reg <= 1'b1;
                            e_state_reg <= E_ADDR;
                        end else if (p_cmd_reg == CMD_WRITE) begin
                            awvalid_reg <= 1'b1;
                            wvalid_reg  <= 1'b1;
                            e_state_reg <= E_ADDR;
                        end else begin
                            e_state_reg <= E_DONE;  // INFO
                        end
                    end
                end
                E_ADDR: begin
                    if (e_cmd_reg == CMD_READ) begin
                        if (m_axil_arready) begin
                            arvalid_reg <= 1'b0;
                            rready_reg  <= 1'b1;
                            e_state_reg <= E_RESP;
                        end
                    end else begin
                        awvalid_reg <= aw_left;
                        wvalid_reg  <= w_left;
                        if (!aw_left && !w_left) begin
                            bready_reg  <= 1'b1;
                            e_state_reg <= E_RESP;
                        end
                    end
                end
                E_RESP: begin
                    if (e_cmd_reg == CMD_READ) begin
                        if (m_axil_rvalid) begin
                            e_resp_reg  <= m_axil_rresp;
                            rready_reg  <= 1'b0;
                            e_state_reg <= E_DONE;
                        end
                    end else if (m_axil_bvalid) begin
                        e_resp_reg  <= m_axil_bresp;
                        bready_reg  <= 1'b0;
                        e_state_reg <= E_DONE;
                    end
                end
                default: begin
                    if (e_sent) begin
                        e_state_reg <= E_IDLE;
                    end
                end
            endcase
        end
    end

    // ------------------------------------------------------- the sender
    localparam [3:0] T_IDLE = 4'd0;
    localparam [3:0] T_SYNC = 4'd1;
    localparam [3:0] T_CMD = 4'd2;
    localparam [3:0] T_TAG = 4'd3;
    localparam [3:0] T_LEN0 = 4'd4;
    localparam [3:0] T_LEN1 = 4'd5;
    localparam [3:0] T_PAY = 4'd6;
    localparam [3:0] T_CRC0 = 4'd7;
    localparam [3:0] T_CRC1 = 4'd8;

    reg  [            3:0] t_state_reg;
    reg  [            7:0] t_cmd_reg;
    reg  [            7:0] t_tag_reg;
    reg  [           15:0] t_len_reg;
    reg  [           15:0] t_left_reg;  // payload bytes still to send
    reg  [            1:0] t_kind_reg;  // payload: K_ERROR, K_READ, K_INFO or K_FRAME
    reg  [           23:0] t_err_reg;  // ERROR payload: detail, command, code
    reg  [            3:0] t_idx_reg;  // byte of a small payload
    reg                    t_exec_reg;  // the executor's reply
    reg                    t_frame_reg;  // the payload comes from s_axis
    reg  [OUT_BYTE_BITS-1:0] t_byte_reg;  // byte of the output beat
    reg  [OUT_BEAT_BITS-1:0] t_beat_reg;  // beat of the output frame
    reg  [            1:0] t_flags_reg;  // TLAST: bit 0 missing, bit 1 early
    reg  [           15:0] t_crc_reg;
    // The TLAST error of the frame just sent.
    reg                    lerr_valid_reg;
    reg  [            7:0] lerr_tag_reg;
    reg  [            1:0] lerr_flags_reg;

    localparam [1:0] K_ERROR = 2'd0;
    localparam [1:0] K_READ = 2'd1;  // e_data_reg
    localparam [1:0] K_INFO = 2'd2;  // the INFO constant
    localparam [1:0] K_FRAME = 2'd3;  // the output beats

    reg  [            7:0] out_byte;  // byte t_byte_reg of the output beat
    integer j;
    always @* begin
        out_byte = s_axis_tdata[7:0];
        for (j = 0; j < OUT_BYTES; j = j + 1) begin
            if (t_byte_reg == j[OUT_BYTE_BITS-1:0]) begin
                out_byte = s_axis_tdata[j*8+:8];
            end
        end
    end

    // byte t_idx_reg of a small payload
    reg [7:0] small_byte;
    integer q;
    always @* begin
        q          = 0;  // the loop index is set on every path: no latch
        small_byte = 8'd0;
        case (t_kind_reg)
            K_ERROR: begin
                for (q = 0; q < 3; q = q + 1) begin
                    if (t_idx_reg == q[3:0]) begin
                        small_byte = t_err_reg[q*8+:8];
                    end
                end
            end
            K_READ: begin
                for (q = 0; q < 4; q = q + 1) begin
                    if (t_idx_reg == q[3:0]) begin
                        small_byte = e_data_reg[q*8+:8];
                    end
                end
            end
            default: begin
                for (q = 0; q < 12; q = q + 1) begin
                    if (t_idx_reg == q[3:0]) begin
                        small_byte = INFO[q*8+:8];
                    end
                end
            end
        endcase
    end

    reg [7:0] t_byte;
    always @* begin
        case (t_state_reg)
            T_SYNC: t_byte = SYNC;
            T_CMD: t_byte = t_cmd_reg;
            T_TAG: t_byte = t_tag_reg;
            T_LEN0: t_byte = t_len_reg[7:0];
            T_LEN1: t_byte = t_len_reg[15:8];
            T_PAY: t_byte = t_frame_reg ? out_byte : small_byte;
            T_CRC0: t_byte = t_crc_reg[15:8];
            default: t_byte = t_crc_reg[7:0];
        endcase
    end

    wire pay_wait = (t_state_reg == T_PAY) && t_frame_reg && !s_axis_tvalid;
    wire sent = tx_valid && tx_ready;  // t_byte goes out this cycle
    wire beat_end = (t_state_reg == T_PAY) && t_frame_reg && (t_byte_reg == OUT_BYTE_LAST);
    wire beat_last = (t_beat_reg == OUT_BEAT_LAST);

    assign tx_byte = t_byte;
    assign tx_valid = (t_state_reg != T_IDLE) && !pay_wait;
    assign s_axis_tready = beat_end && tx_ready;

    // What the sender takes when idle, by priority.
    wire idle = (t_state_reg == T_IDLE);
    wire lerr_take = idle && lerr_valid_reg;
    assign perr_take = idle && !lerr_valid_reg && perr_valid_reg;
    assign e_take = idle && !lerr_valid_reg && !perr_valid_reg && (e_state_reg == E_DONE);
    wire frame_take = idle && !lerr_valid_reg && !perr_valid_reg && (e_state_reg != E_DONE) &&
        s_axis_tvalid;
    assign tag_pop = frame_take;
    assign e_sent = sent && (t_state_reg == T_CRC1) && t_exec_reg;

    always @(posedge clk) begin
        if (rst) begin
            t_state_reg    <= T_IDLE;
            t_cmd_reg      <= 8'd0;
            t_tag_reg      <= 8'd0;
            t_len_reg      <= 16'd0;
            t_left_reg     <= 16'd0;
            t_kind_reg     <= K_ERROR;
            t_err_reg      <= 24'd0;
            t_idx_reg      <= 4'd0;
            t_exec_reg     <= 1'b0;
            t_frame_reg    <= 1'b0;
            t_byte_reg     <= {OUT_BYTE_BITS{1'b0}};
            t_beat_reg     <= {OUT_BEAT_BITS{1'b0}};
            t_flags_reg    <= 2'd0;
            t_crc_reg      <= 16'hffff;
            lerr_valid_reg <= 1'b0;
            lerr_tag_reg   <= 8'd0;
            lerr_flags_reg <= 2'd0;
        end else begin
            if (idle) begin
                t_frame_reg <= 1'b0;
                t_byte_reg  <= {OUT_BYTE_BITS{1'b0}};
                t_beat_reg  <= {OUT_BEAT_BITS{1'b0}};
                t_flags_reg <= 2'd0;
                t_cmd_reg   <= REPLY_ERROR;
                t_len_reg   <= 16'd3;
                t_kind_reg  <= K_ERROR;
                t_idx_reg   <= 4'd0;
                t_exec_reg  <= 1'b0;
                if (lerr_take) begin
                    t_state_reg    <= T_SYNC;
                    t_tag_reg      <= lerr_tag_reg;
                    t_err_reg      <= {6'd0, lerr_flags_reg, CMD_FRAME, ERR_OUTPUT_TLAST};
                    lerr_valid_reg <= 1'b0;
                end else if (perr_take) begin
                    t_state_reg <= T_SYNC;
                    t_tag_reg   <= perr_tag_reg;
                    t_err_reg   <= {8'd0, perr_cmd_reg, perr_code_reg};
                end else if (e_take) begin
                    t_state_reg <= T_SYNC;
                    t_tag_reg   <= e_tag_reg;
                    t_exec_reg  <= 1'b1;
                    if (e_resp_reg != 2'd0) begin
                        t_err_reg <= {6'd0, e_resp_reg, e_cmd_reg, ERR_AXI};
                    end else if (e_cmd_reg == CMD_READ) begin
                        t_cmd_reg  <= REPLY_READ;
                        t_len_reg  <= 16'd4;
                        t_kind_reg <= K_READ;
                    end else if (e_cmd_reg == CMD_WRITE) begin
                        t_cmd_reg <= REPLY_WRITE;
                        t_len_reg <= 16'd0;
                    end else begin
                        t_cmd_reg  <= REPLY_INFO;
                        t_len_reg  <= 16'd12;
                        t_kind_reg <= K_INFO;
                    end
                end else if (frame_take) begin
                    t_state_reg <= T_SYNC;
                    t_tag_reg   <= tag_avail ? tag_head : 8'd0;
                    t_cmd_reg   <= REPLY_OUTPUT;
                    t_len_reg   <= OUT_FRAME_C;
                    t_kind_reg  <= K_FRAME;
                    t_frame_reg <= 1'b1;
                end
            end else if (sent) begin
                case (t_state_reg)
                    T_SYNC: begin
                        t_crc_reg   <= 16'hffff;
                        t_left_reg  <= t_len_reg;
                        t_state_reg <= T_CMD;
                    end
                    T_CMD: begin
                        t_crc_reg   <= crc16_step(t_crc_reg, t_byte);
                        t_state_reg <= T_TAG;
                    end
                    T_TAG: begin
                        t_crc_reg   <= crc16_step(t_crc_reg, t_byte);
                        t_state_reg <= T_LEN0;
                    end
                    T_LEN0: begin
                        t_crc_reg   <= crc16_step(t_crc_reg, t_byte);
                        t_state_reg <= T_LEN1;
                    end
                    T_LEN1: begin
                        t_crc_reg   <= crc16_step(t_crc_reg, t_byte);
                        t_state_reg <= (t_len_reg == 16'd0) ? T_CRC0 : T_PAY;
                    end
                    T_PAY: begin
                        t_crc_reg  <= crc16_step(t_crc_reg, t_byte);
                        t_left_reg <= t_left_reg - 16'd1;
                        t_idx_reg  <= t_idx_reg + 4'd1;
                        if (t_frame_reg) begin
                            if (beat_end) begin
                                t_byte_reg <= {OUT_BYTE_BITS{1'b0}};
                                t_beat_reg <= beat_last ? {OUT_BEAT_BITS{1'b0}} : t_beat_reg + 1'b1;
                                t_flags_reg <= t_flags_reg |
                                    {!beat_last && s_axis_tlast, beat_last && !s_axis_tlast};
                            end else begin
                                t_byte_reg <= t_byte_reg + 1'b1;
                            end
                        end
                        if (t_left_reg == 16'd1) begin
                            t_state_reg <= T_CRC0;
                        end
                    end
                    T_CRC0: begin
                        t_state_reg <= T_CRC1;
                    end
                    default: begin  // T_CRC1
                        t_state_reg <= T_IDLE;
                        if (t_frame_reg && t_flags_reg != 2'd0) begin
                            lerr_valid_reg <= 1'b1;
                            lerr_tag_reg   <= t_tag_reg;
                            lerr_flags_reg <= t_flags_reg;
                        end
                    end
                endcase
            end
        end
    end

    // Strobe bits 7:4 of a WRITE and, below 32 address bits, the high
    // address bits (checked to be zero) are not used past the parser.
    /* verilator lint_off UNUSEDSIGNAL */
    wire unused_args = ^p_args_reg[71:68];
    /* verilator lint_on UNUSEDSIGNAL */

endmodule

`default_nettype wire
